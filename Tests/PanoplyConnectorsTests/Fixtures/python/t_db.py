"""A database-shaped test source: tables picked from the live PostgreSQL (psycopg2). Like
Panoply's own database sources it keeps the base list_resources (which raises
NotImplementedError): its tables are the values of the `tables` dynamic-list."""
import psycopg2

import panoply


def connect(source):
    return psycopg2.connect(host=source["host"], port=int(source["port"]), dbname=source["database"],
                            user=source["user"], password=source.get("password") or None)


def get_tables(source):
    with connect(source) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema = %s ORDER BY table_name", (source.get("schema") or "public",))
        return panoply.convert_to_ui_format(cur.fetchall(), lambda t: t[1], lambda t: "%s.%s" % t) or []


CONFIG = {
    "title": "Test PostgreSQL",
    "params": [
        {"name": "host", "title": "Host", "required": True},
        {"name": "port", "title": "Port", "required": True, "placeholder": "5432"},
        {"name": "database", "title": "Database", "required": True},
        {"name": "user", "title": "User", "required": True},
        {"name": "password", "title": "Password", "type": "password"},
        {"name": "schema", "title": "Schema", "default": "public"},
        {"name": "tables", "title": "Tables", "type": "dynamic-list", "values": get_tables,
         "dependencies": ["host", "port", "database", "user"]},
        {"name": "destination", "type": "destination"},
    ],
}

BATCH = 40


class Stream(panoply.DataSource):
    def __init__(self, source, options, *args, **kwargs):
        super().__init__(source, options, *args, **kwargs)
        if not isinstance(source["port"], str):
            raise panoply.errors.PanoplyException("port should arrive as a string", retryable=False)
        self.tables = [t["value"] for t in source["tables"]]
        self.state_in = source.get("state") or {}
        self.conn = connect(source)
        self.index = 0

    def read(self, n=None):
        while self.index < len(self.tables):
            table = self.tables[self.index]
            last = self.state_in.get(table, {}).get("last_index", 0)
            schema, name = table.split(".", 1)
            with self.conn.cursor() as cur:
                cur.execute('SELECT id, row_to_json(t)::text FROM "%s"."%s" t WHERE id > %%s ORDER BY id LIMIT %d'
                            % (schema, name, min(n or BATCH, BATCH)), (last,))
                rows = cur.fetchall()
            if not rows:
                self.index += 1
                self.log("table", table, "done")
                return []
            import json
            last = rows[-1][0]
            self.state_in[table] = {"last_index": last}
            state_id = "%s:%d" % (table, last)
            self.state(state_id, {table: {"last_index": last}})
            self.progress(self.index, len(self.tables), "reading %s" % table)
            return [dict(json.loads(r[1]), __tablename=table, __state=state_id) for r in rows]
        return None

    def close(self):
        self.conn.close()
