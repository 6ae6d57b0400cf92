"""The command line: argument parsing and one function per command, over core.service."""
