"""optviz's web app: assemble the Dash app and expose ``app`` and ``server`` (for gunicorn).

    python app.py            # serves on $HOST:$PORT (default 127.0.0.1:8050)
    gunicorn app:server      # production

The page lives in ``optviz/ui`` (layout, callbacks, figures, URL state), the JSON API in
``optviz/api.py``, the HTTP layer (limits, headers, errors) in ``optviz/server.py``; styles and
the browser-side playback in ``assets/``.
"""
import os

import dash

import optviz  # noqa: F401  (loads the compiled kernels from the Numba cache at start-up)
from optviz import server as http
from optviz.ui import callbacks, layout, state

app = dash.Dash(__name__, title="optviz", update_title=None, suppress_callback_exceptions=True, compress=True,
                meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
# The page's language, for screen readers (Dash has no option for <html lang>: its own page, with it).
app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
assert 'lang="en"' in app.index_string, "Dash's page template changed: set <html lang> another way"
app.layout = layout.build_layout(state.default_config())
callbacks.register()
http.harden(app)
server = app.server  # the Flask app, for gunicorn
http.warm_up()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
