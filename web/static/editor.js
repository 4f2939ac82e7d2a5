// filled in by the articles work
