"""answerdesk core: retrieval and answering. Imports neither Flask nor web."""
