from ngheo_cli.cli import main

main()
