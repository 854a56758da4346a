"""Bundle upload: an archive plus a manifest becomes files and a package in one step."""
