"""The served process's runtime directory: shared metrics files and the drain flag."""
