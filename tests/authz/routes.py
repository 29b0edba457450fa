from django.urls import URLPattern, URLResolver, get_resolver


def _walk(resolver, namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), sorted(p.pattern.regex.groupindex)


def all_routes():
    return list(_walk(get_resolver()))
