"""Public and employee pages: the widget script and demo page, the help page, health probes."""
