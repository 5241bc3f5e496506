"""Use cases: what a learner or admin can do, on top of the core and the store.

The Discord cogs and the delivery jobs call these; nothing here imports discord. Each method
validates every input before it writes anything, so bad input loses nothing and changes nothing.
"""
