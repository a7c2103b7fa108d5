"""Running SQL typed by the user: splitting, classifying, streaming, history, export."""
