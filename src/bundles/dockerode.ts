// Entry of dist/dockerode.js (scripts/build.mjs): dockerode with its ssh2 and gRPC dependencies in a
// bundle of its own, loaded by Services.docker() the first time a command needs Docker.
import Docker from 'dockerode';

export { Docker };
