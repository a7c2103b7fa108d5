"""Dialogs that several parts of the app open: the base modal, confirm, message."""
