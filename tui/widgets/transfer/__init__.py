"""The workspace's dump, restore and CSV import dialogs, each with progress and cancel."""
