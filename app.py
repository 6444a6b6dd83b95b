"""optviz's web app: assemble the Dash app and expose ``app`` and ``server`` (for gunicorn).

    python app.py            # serves on $HOST:$PORT (default 127.0.0.1:8050)
    gunicorn app:server      # production
"""
import os

import dash

import optviz  # noqa: F401  (loads the compiled kernels from the Numba cache at start-up)
from optviz.ui.server import add_routes

app = dash.Dash(__name__, title="optviz")
app.layout = dash.html.Div("optviz", id="root")
server = app.server
add_routes(server)

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
