"""Signals other apps listen to."""

from django.dispatch import Signal

# sent with keys = {(node_id, month), …} after demand records were created or changed in bulk (an
# import): bulk writes send no post_save, and the forecast review keeps per-month totals of demand
demand_changed = Signal()
