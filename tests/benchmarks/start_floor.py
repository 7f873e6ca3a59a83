"""The least a Python program on PySide6 does to list this store (run by ``gui.py --floor``).

    python tests/benchmarks/start_floor.py STORE_FOLDER QT_TYPES_FILE

Not the program, and not a test: a measure of what any program written with our libraries pays
before its window can list the benchmark's store, whatever its own code. It does, with the
libraries alone (none of our modules):

1. reads the store's key from the Secret Service on a thread started by its first line, as the
   program reads it (``vault/keychain.py``) less the availability and lock checks;
2. creates the PySide6 classes named in ``QT_TYPES_FILE``, one per line as ``QtWidgets.QStyle``:
   those the real program had created when it listed the incidents (``gui.py`` records them), so
   the Python enums and classes the real window needs are paid for once, as there;
3. shows a ``QMainWindow`` with a ``QTableView`` over a model of plain tuples;
4. opens the SQLCipher database with the key and reads the incidents' columns that the program
   lists (the query of ``Vault.list_incidents``), in the list's order;
5. puts them in the model and prints ``shown <process CPU seconds>``, where the program logs
   that its main window lists them.

What it leaves out is everything that is ours: the domain's incident records, our modules, the
main window's toolbar, menus, search, filters and incident view, the tray icon, the single
instance, logging, the key file's check.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

SERVICE_NAME = "Harmonize Evidence"
"""As ``vault.keychain.SERVICE_NAME``."""

LIST_QUERY = (
    "SELECT i.id, i.title, i.category, i.platforms, i.people, i.reported_by, i.created_utc, "
    "i.status, i.urgent, i.exhibit_count, i.sender_producer_id, i.sender_id, "
    "i.last_activity_utc FROM incidents i "
    "ORDER BY COALESCE(i.last_activity_utc, i.created_utc) DESC, i.year DESC, i.number DESC"
)
"""``Vault.list_incidents(by_activity=True)``'s query, as the main window reads it."""


def main() -> int:
    store = Path(sys.argv[1])
    type_names = Path(sys.argv[2]).read_text(encoding="utf-8").split()
    key_file = json.loads((store / "key.json").read_text(encoding="utf-8"))
    found: dict[str, bytes] = {}

    def read_key() -> None:
        import secretstorage

        connection = secretstorage.dbus_init()
        try:
            collection = secretstorage.get_default_collection(connection)
            attributes = {"username": key_file["store_id"], "service": SERVICE_NAME}
            for item in collection.search_items(attributes):
                found["key"] = bytes.fromhex(item.get_secret().decode("utf-8"))
                break
        finally:
            connection.close()

    keychain = threading.Thread(target=read_key, name="keychain")
    keychain.start()

    from PySide6 import QtCore, QtGui, QtWidgets
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

    modules = {"QtCore": QtCore, "QtGui": QtGui, "QtWidgets": QtWidgets}
    for name in type_names:
        module, _, attribute = name.partition(".")
        getattr(modules[module], attribute)

    Index = QModelIndex | QPersistentModelIndex

    class Rows(QAbstractTableModel):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[tuple[object, ...]] = []

        def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
            return 0 if parent.isValid() else 5

        def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self.rows[index.row()][index.column()])
            return None

    app = QtWidgets.QApplication([])
    window = QtWidgets.QMainWindow()
    window.resize(1200, 800)
    table = QtWidgets.QTableView()
    model = Rows()
    table.setModel(model)
    window.setCentralWidget(table)
    window.show()
    app.processEvents()

    keychain.join()
    if "key" not in found:
        print("no key in the keychain", flush=True)
        return 1
    import sqlcipher3

    database = sqlcipher3.connect(str(store / "evidence.db"), isolation_level=None)
    database.execute(f"PRAGMA key = \"x'{found['key'].hex()}'\"")
    database.execute(f"PRAGMA cipher_page_size = {int(key_file['cipher_page_size'])}")
    rows = database.execute(LIST_QUERY).fetchall()
    model.beginResetModel()
    model.rows = rows
    model.endResetModel()
    print("shown", time.process_time(), len(rows), flush=True)
    app.processEvents()
    database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
