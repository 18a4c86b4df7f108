"""The built-in scenarios, one module each. Each reads like the textbook code it teaches."""
