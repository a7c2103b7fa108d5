"""The Query tab: editor, result grid, and the pane that joins them."""
