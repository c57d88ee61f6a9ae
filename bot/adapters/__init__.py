"""Thin platform adapters: parse the platform's input, call the core, render the Reply."""
