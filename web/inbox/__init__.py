"""The agents' inbox: the people who asked for a human, the reply they get (stored, shown in the widget, e-mailed)."""
