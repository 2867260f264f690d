# The baseline of bench/hostd: Python's SimpleXMLRPCServer serving the same trivial
# method as the daemon's ping command (same reply shape: D3.2's ReturnValue struct, docs/platform.md §2.1.3).
#   python3 python_server.py plain|threaded
# plain:    SimpleXMLRPCServer as the standard library ships it (one request at a time).
# threaded: socketserver.ThreadingMixIn + SimpleXMLRPCServer (a thread per connection).
# Both speak HTTP/1.1 so that the keep-alive client reuses its connections (the stock
# handler says HTTP/1.0 and closes every connection), and both set TCP_NODELAY (the
# handler writes headers and body separately; with Nagle on, delayed ACKs would stall
# each keep-alive reply ~40 ms and make Python look far slower than it is).
# Listens on 127.0.0.1, an ephemeral port, printed as "PORT <n>" on stdout.
import socketserver
import sys
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer


class Handler(SimpleXMLRPCRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
    rpc_paths = ('/', '/RPC2')


class PlainServer(SimpleXMLRPCServer):
    request_queue_size = 64


class ThreadedServer(socketserver.ThreadingMixIn, PlainServer):
    daemon_threads = True


def ping():
    return {'code': 0, 'message': 'ok', 'value': 'pong from bench'}


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else 'plain'
    cls = ThreadedServer if mode == 'threaded' else PlainServer
    server = cls(('127.0.0.1', 0), requestHandler=Handler, logRequests=False, allow_none=True)
    server.register_function(ping, 'ping')
    print('PORT', server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
