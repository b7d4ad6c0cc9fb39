"""The warehouse: schema, engines and migrations, and the only writers of figures (load, batches, undo)."""
