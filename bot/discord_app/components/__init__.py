"""Persistent components (buttons and menus), one module per kind of control."""
