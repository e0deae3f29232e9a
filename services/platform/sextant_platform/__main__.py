from sextant_platform import main

main()
