// No vif: packets made inside the router, counted and dropped (handlers, start/stop).
src :: TimedSource(0.2);
c :: Counter;
d :: Discard;
src -> c -> d;
