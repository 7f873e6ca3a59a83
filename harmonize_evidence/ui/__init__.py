"""The PySide6 desktop application. Qt is imported only inside this package."""
