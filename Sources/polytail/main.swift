import PolytailCLI

PolytailCommand.main()
