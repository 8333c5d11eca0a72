"""Finding and reading the source files, in a folder or an object store."""
