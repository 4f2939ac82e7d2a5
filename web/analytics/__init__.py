"""Figures for editors: the analytics report (ranges, figures, report shape), CSV exports, the contributors' board."""
