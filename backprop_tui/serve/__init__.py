"""`backprop-tui serve`: the app in every browser tab of a classroom (cli.py: the command; classroom.py: the
web server, textual-serve's with seats; referee.py: the one shared torch referee; session.py: each tab's app).
Nothing here imports torch."""
