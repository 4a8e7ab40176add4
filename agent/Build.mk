# agent/: oops-agent.  main.o is linked into the binary only; the rest goes
# to libagent.a so unit tests can link it.
agent-y += main.o config.o
agent-y += ship.o fit.o
