"""Helpers for the real-client tests (test_clients*.py, test_launchers.py):
session.py is the program those tests run with telnetd -E; drive.py drives
interactive clients in tmux or through pipes."""
