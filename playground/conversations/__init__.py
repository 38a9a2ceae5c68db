"""Sessions (conversations): the saved work that runs belong to."""
