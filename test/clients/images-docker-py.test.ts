// Image list and inspect shapes with docker-py: Parent/ParentId of a built
// image (the chain of the classic builder's step images back to its base),
// Labels as the image config has them (null when it has none), history.
import { clientTargets, dockerPy, sameOnBoth } from './harness.ts';

clientTargets();

const parents = `
import io
c = api()
r = {}
base = c.inspect_image('busybox')
r['base Parent'] = base['Parent']
r['base listed'] = [{k: x[k] for k in ('ParentId', 'Labels', 'RepoTags')} for x in c.images(name='busybox')]
df = b'FROM busybox\\nLABEL x=y\\nRUN echo hi > /f\\n'
for _ in c.build(fileobj=io.BytesIO(df), tag='imgjson:1', rm=True, decode=True):
    pass
img = c.inspect_image('imgjson:1')
chain = []
cur = img
while cur['Parent']:
    chain.append(cur['Parent'])
    cur = c.inspect_image(cur['Parent'])
r['steps back to the base'] = len(chain)
r['chain ends at the base'] = chain[-1] == base['Id'] if chain else None
listed = c.images(name='imgjson')
r['listed'] = [{k: x[k] for k in ('ParentId', 'Labels', 'RepoTags')} for x in listed]
r['ParentId is Parent'] = listed[0]['ParentId'] == img['Parent']
r['history'] = [(h['Id'] if h['Id'] == '<missing>' else 'an image', h['Tags'], h['CreatedBy']) for h in c.history('imgjson:1')]
out(r)
`;

sameOnBoth('docker-py pypi: Parent and ParentId of a built image, Labels null when the image has none', (t) => dockerPy(t, parents, { flavor: 'pypi' }));
