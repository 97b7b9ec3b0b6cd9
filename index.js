// The aci-flow package's import is the client library: `require('aci-flow')` and
// `import … from 'aci-flow'` are `@aci-flow/client` (packages/client), the same module
// objects, so code written against either name works with both.
module.exports = require('@aci-flow/client');
