"""A custom Gymnasium env with Dict, Tuple and Text spaces (registered as ``envbridge/Courier-v0``).

Serve it with ``envbridge serve gym:envs.gymnasium:envbridge/Courier-v0`` or
``envbridge serve envs.gymnasium.courier:CourierEnv``.
"""

import gymnasium as gym

COURIER_ID = "envbridge/Courier-v0"

if COURIER_ID not in gym.registry:
    gym.register(COURIER_ID, entry_point="envs.gymnasium.courier:CourierEnv")
