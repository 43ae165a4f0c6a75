"""HTTP plumbing shared by the platforms: exact JSON, safe body parsing, error dialects."""
