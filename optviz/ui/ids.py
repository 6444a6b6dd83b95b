"""Component ids, in one place.

The first block is a contract (tests, docs and users' scripts refer to them): keep it exactly.
Pattern-matching ids are built by the functions at the end; their ``type`` strings are here too.
"""

# -- contract --------------------------------------------------------------------------------------
SURFACE_SELECT = "surface-select"
CONTOUR_GRAPH = "contour-graph"
SURFACE3D_GRAPH = "surface3d-graph"
LOSS_GRAPH = "loss-graph"
DISTANCE_GRAPH = "distance-graph"
PLAY_BUTTON = "play-button"
STEP_SLIDER = "step-slider"
ADD_RUN_BUTTON = "add-run-button"
START_X = "start-x"
START_Y = "start-y"
STEPS_INPUT = "steps-input"

# -- the rest --------------------------------------------------------------------------------------
URL = "url"                      # read: the page's address when it opens
URL_SYNC = "url-sync"            # the query string that reproduces the current view (a Store)
URL_WRITTEN = "url-written"      # what the browser last wrote to its address bar
CONFIG_STORE = "config-store"    # the validated configuration (state.Config.to_data())
RENDER_STORE = "render-store"    # what the figures were last drawn from (decides full vs. patch)
URL_ALERT = "url-alert"
SIM_ALERT = "sim-alert"
CONTROLS_ALERT = "controls-alert"
SURFACE_INFO = "surface-info"
SURFACE_PARAMS = "surface-params"
NOISE_INPUT = "noise-input"
SEED_INPUT = "seed-input"
SCHEDULE_SELECT = "schedule-select"
SCHEDULE_PARAMS = "schedule-params"
SCHEDULE_INFO = "schedule-info"
CLIP_SWITCH = "clip-switch"
CLIP_INPUT = "clip-input"
LOSSX_RADIO = "lossx-radio"
RUNS_CONTAINER = "runs-container"
RUN_COUNT = "run-count"
LEGEND = "legend-bar"
DISTANCE_NOTE = "distance-note"
LOSS_NOTE = "loss-note"
BACK_BUTTON = "step-back-button"
FORWARD_BUTTON = "step-forward-button"
FIRST_BUTTON = "step-first-button"
LAST_BUTTON = "step-last-button"
SPEED_SELECT = "speed-select"
STEP_STORE = "step-store"        # the step shown (written in the browser)
STEP_READOUT = "step-readout"
SHARE_BUTTON = "share-button"
LESSON_SELECT = "lesson-select"      # the lesson picker ("" = free play)
LESSON_CAPTION = "lesson-caption"    # what to look at in the lesson, and what to try
REVEAL_SWITCH = "reveal-switch"      # playback draws the paths only up to the current step
PRESENT_SWITCH = "present-switch"    # presentation mode
PAGE = "page-root"                   # the page: class "presenting" in presentation mode
PLAYBACK = "playback"                # the playback bar (the skip link's target)
CONTROLS_BUTTON = "controls-button"  # on a phone: opens the control panel as a drawer
SET_START_BUTTON = "set-start-button"  # on a touch screen: a tap on the map sets the start only in this mode
INSPECTOR = "step-inspector"         # the numbers of every run at the current step
OVERLAYS = "overlay-options"         # the inspector's table and what the map draws at the current step
SCHEDULE_PLOT = "schedule-plot"      # the shared schedule's factor over the run
MAP_CLICK = "map-click"              # where the map was clicked: {x, y, n} (written in the browser)
ALGORITHM_MODAL = "algorithm-modal"  # an optimizer's whole update rule
ALGORITHM_TITLE = "algorithm-title"
ALGORITHM_BODY = "algorithm-body"
EXPLORE = "explore-panel"            # beyond one run: sweeps, basins and noise fans of one run
EXPLORE_OPEN = "explore-open"        # the panel's switch (closed: nothing is computed)
EXPLORE_BODY = "explore-body"
EXPLORE_TABS = "explore-tabs"        # value: "sweep", "basins" or "fan" (a radio group)
EXPLORE_RUN = "explore-run"          # the run the panel explores (its uid)
EXPLORE_REQUEST = "explore-request"  # the panel's checked values (explore.Request.to_data())
EXPLORE_LINK = "explore-link"        # the panel's settings the page was opened with (explore.from_link)
EXPLORE_SYNC = "explore-sync"        # the panel's part of the URL ("explore=...", or "" when closed)
EXPLORE_ALERT = "explore-alert"
SWEEP_GRAPH = "sweep-graph"          # click a cell: add that run
SWEEP_CELLS = "sweep-cells"          # what a click on the sweep needs (explore.sweep_cells)
SWEEP_NOTE = "sweep-note"
SWEEP_MEASURE = "sweep-measure"      # "loss" or "steps"
SWEEP_TOL = "sweep-tol"
BASINS_GRAPH = "basins-graph"
BASINS_NOTE = "basins-note"
BASINS_RESOLUTION = "basins-resolution"
FAN_GRAPH = "fan-graph"
FAN_NOTE = "fan-note"
FAN_RUNS = "fan-runs"
FAN_NOISE = "fan-noise"
TUNE_ALL_BUTTON = "tune-all-button"  # tunes every run's learning rate
TUNE_SECOND = "tune-second"          # tuning also searches the second hyperparameter (momentum, beta1, ...)
TUNE_REPORT = "tune-report"          # what tuning found

# -- pattern-matching ids --------------------------------------------------------------------------
HP = "hp"                # the exact value of a parameter (a run's hyperparameter, or the surface's /
HP_TEXT = "hp-text"       # a parameter that is text (a typed formula), with the same "run" / "name" as HP
HP_SLIDER = "hp-slider"  # schedule's own parameter, with "run" = SURFACE_OWNER / SCHEDULE_OWNER)
HP_LOG_SLIDER = "hp-log-slider"
RUN_OPTIMIZER = "run-optimizer"
RUN_REMOVE = "run-remove"
RUN_DUPLICATE = "run-duplicate"
RUN_STATUS = "run-status"
ABOUT_TOGGLE = "about-toggle"  # shows/hides a run's "about" (formulas are typeset while hidden,
ABOUT_BODY = "about-body"      # so it is collapsed with CSS, not display: none)
SURFACE_OWNER = "surface"
WINDOW_SUMMARY = "window-summary"   # a typed formula's folded window: "window: x from ... to ..." ({"owner": ...})
SCHEDULE_OWNER = "schedule"
COND = "cond"            # a run's own condition: name = noise, seed, schedule, clip
ALGORITHM_BUTTON = "algorithm-button"  # opens the whole update rule of {"optimizer": name}
RUN_TUNE = "run-tune"    # tunes one run's learning rate


def explore_pane(tab: str) -> str:
    """The explore panel's pane for a tab (``explore-pane-sweep``, ...)."""
    return f"explore-pane-{tab}"


def sweep_field(axis: str, field: str = "") -> str:
    """A sweep axis's fields: ``sweep-x`` (the hyperparameter), ``sweep-x-from``, ``-to``, ``-points``."""
    return f"sweep-{axis}-{field}" if field else f"sweep-{axis}"


def own_schedule_owner(uid: str) -> str:
    """The owner of a run's own schedule's parameters (in ``hp`` ids)."""
    return f"{uid}/schedule"


def hp(owner: str, name: str) -> dict:
    return {"type": HP, "run": owner, "name": name}


def hp_slider(owner: str, name: str, log: bool) -> dict:
    return {"type": HP_LOG_SLIDER if log else HP_SLIDER, "run": owner, "name": name}


def run_part(kind: str, uid: str) -> dict:
    return {"type": kind, "run": uid}


def cond(uid: str, name: str) -> dict:
    return {"type": COND, "run": uid, "name": name}
