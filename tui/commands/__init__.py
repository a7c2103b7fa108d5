"""The subcommands of `bastion`, one module per family; `tui/cli.py` reads the first
word of the command line and hands the rest to one of them."""
