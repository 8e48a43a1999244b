// Preloaded (`node -r`) into a published server that listens on every interface with no host
// option (server-everything's HTTP modes): binds it to 127.0.0.1 instead, as servers in tests
// must, and reports the port it got on stderr as `loopback-listening <port>` (it may be 0).
const net = require('node:net')
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined
  const port = typeof args[0] === 'object' && args[0] !== null ? args[0].port : args[0]
  return listen.call(this, Number(port ?? 0), '127.0.0.1', () => {
    process.stderr.write(`loopback-listening ${this.address().port}\n`)
    callback?.()
  })
}
