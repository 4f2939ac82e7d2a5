"""HTML pages for employees: sign-in, the gap queue, articles, analytics, contributors, admin."""
