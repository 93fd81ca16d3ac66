// workerd entry: POST the JSON config, get the observations back. workerd logs and fails a request
// whose handler leaves a promise that never settles, so a hung client shows up as a failed request.
import * as tw from 'tokenwarden';
import { smoke } from './scenario.mjs';

export default {
  async fetch(request) {
    return Response.json(await smoke(tw, await request.json()));
  },
};
