// A real BatchClient (the SDK's paginators check `instanceof`) whose send() the test answers.
import { BatchClient } from '@aws-sdk/client-batch';
import type { BatchApi } from '../../../src/aws/batchApi';
import { createBatchApi } from '../../../src/aws/sdkBatchApi';

export function stubbedBatchApi(send: (command: never) => Promise<unknown>): BatchApi {
  const client = new BatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  client.send = send as BatchClient['send'];
  return createBatchApi(client);
}
