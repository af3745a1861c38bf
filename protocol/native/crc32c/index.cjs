'use strict';
// The addon built by `node-gyp rebuild` at install; requiring this throws if the build did not happen.
module.exports = require('./build/Release/crc32c.node');
