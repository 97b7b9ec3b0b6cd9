// Preloaded with `node -r` by the CLI start-up test: at exit, writes every CommonJS module the
// process loaded to the file named by ACI_FLOW_TEST_LOADED_MODULES.
process.once('exit', () => {
  require('node:fs').writeFileSync(process.env.ACI_FLOW_TEST_LOADED_MODULES, JSON.stringify(Object.keys(require.cache)));
});
