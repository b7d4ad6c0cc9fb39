"""The CLI's commands, one module per group (etl.cli.COMMAND_MODULES): each has register(subparsers)
and the cmd_* functions it wires to its subcommands."""
