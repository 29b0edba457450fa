def hub(request):
    actor = getattr(request, "actor", None)
    return {
        "actor": actor,
        "hub": actor.hub if actor else None,
        "other_hubs": [a.hub for a in getattr(request, "actors", []) if actor and a.hub != actor.hub],
    }
