extensions = ["derive.sphinxext"]
exclude_patterns = ["_build"]
