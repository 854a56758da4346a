"""Files: paths inside an application bound to content-addressed blobs."""
