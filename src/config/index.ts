/** The configuration API: pool config files, base job templates, job configurations, secret references. */
export { ConfigError } from './errors';
export {
  JobConfigurationSchema,
  parseJobConfiguration,
  type JobConfiguration,
  type JobConfigurationInput,
  type ImageRegistry,
  type JsonPatchOperation,
} from './jobConfiguration';
export { BaseJobTemplateSchema, defaultBaseJobTemplate, type BaseJobTemplate } from './baseJobTemplate';
export { ACI_WORK_POOL_TYPE, loadPoolConfig, parsePoolConfig, renderJobConfiguration, type PoolConfig } from './poolConfig';
export {
  SECRET_REF_PREFIX,
  DEFAULT_SECRET_ENV_NAMES,
  SECRET_ENV_PREFIX,
  SECRETS_DIR_ENV,
  isSecretRef,
  secretEnvironmentVariable,
  secretResolverFromEnvironment,
} from './secrets';
