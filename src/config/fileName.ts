// The run configuration's file name, on its own so that commands can name it without loading the parser.
export const CONFIG_FILE = 'aws-batch.json';
