"""The monitor: office staff's and support's window on the sync tasks (issue 4)."""
