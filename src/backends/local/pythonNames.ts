import { normalize, type CondaDependency } from './conda';

/**
 * What a declared package means on this machine:
 * - `required`: the step's code needs it importable;
 * - `optional`: the sample's scripts (and most) work without it — MLflow logging falls back to
 *   `outputs/metrics.json`;
 * - `skip`: not a Python module (the interpreter itself, pip, CUDA, compilers) or Azure-only
 *   (`azureml-*`), so nothing to check here.
 */
export type PackageRole = 'required' | 'optional' | 'skip';

export interface PythonPackage {
  /** As declared (`scikit-learn`). */
  name: string;
  spec: string;
  source: 'conda' | 'pip';
  /** The module to import (`sklearn`). */
  importName: string;
  /** What `pip install` takes (`scikit-learn`, `torch` for conda's `pytorch`). */
  pipName: string;
  /** A pip requirement with the declared version (`pandas==2.1.*` for conda's `pandas=2.1`). */
  pipRequirement: string;
  /** The Debian package that provides it, when one is known to exist (`python3-sklearn`). */
  aptName?: string;
  role: PackageRole;
  /** Why it is skipped or optional. */
  why?: string;
}

/** Distribution name (PEP 503-normalised) → module name, where they differ. */
const IMPORT_NAMES: Record<string, string> = {
  'scikit-learn': 'sklearn',
  'scikit-learn-intelex': 'sklearnex',
  'scikit-image': 'skimage',
  'imbalanced-learn': 'imblearn',
  'umap-learn': 'umap',
  pytorch: 'torch',
  'pytorch-cpu': 'torch',
  'pytorch-lightning': 'pytorch_lightning',
  pyyaml: 'yaml',
  'ruamel-yaml': 'ruamel.yaml',
  opencv: 'cv2',
  'py-opencv': 'cv2',
  'opencv-python': 'cv2',
  'opencv-python-headless': 'cv2',
  'opencv-contrib-python': 'cv2',
  'opencv-contrib-python-headless': 'cv2',
  pillow: 'PIL',
  'python-dateutil': 'dateutil',
  'python-dotenv': 'dotenv',
  beautifulsoup4: 'bs4',
  'tensorflow-gpu': 'tensorflow',
  'tensorflow-cpu': 'tensorflow',
  'onnxruntime-gpu': 'onnxruntime',
  'py-xgboost': 'xgboost',
  'py-xgboost-cpu': 'xgboost',
  'py-xgboost-gpu': 'xgboost',
  'msgpack-python': 'msgpack',
  protobuf: 'google.protobuf',
  attrs: 'attr',
  'dask-core': 'dask',
  'matplotlib-base': 'matplotlib',
  pytables: 'tables',
  'psycopg2-binary': 'psycopg2',
  'mysql-connector-python': 'mysql.connector',
  'faiss-cpu': 'faiss',
  'faiss-gpu': 'faiss',
  'huggingface-hub': 'huggingface_hub',
  'sentence-transformers': 'sentence_transformers',
  'typing-extensions': 'typing_extensions',
  'importlib-metadata': 'importlib_metadata',
  'category-encoders': 'category_encoders',
  'azure-ai-ml': 'azure.ai.ml',
  'azure-identity': 'azure.identity',
  'azure-storage-blob': 'azure.storage.blob',
  'google-cloud-storage': 'google.cloud.storage',
  'mlflow-skinny': 'mlflow',
  'pyspark': 'pyspark',
};

/** conda-only names → the name pip knows. */
const PIP_NAMES: Record<string, string> = {
  pytorch: 'torch',
  'pytorch-cpu': 'torch',
  opencv: 'opencv-python',
  'py-opencv': 'opencv-python',
  'py-xgboost': 'xgboost',
  'py-xgboost-cpu': 'xgboost',
  'py-xgboost-gpu': 'xgboost',
  'msgpack-python': 'msgpack',
  'dask-core': 'dask',
  'matplotlib-base': 'matplotlib',
  pytables: 'tables',
};

/** Debian (bookworm and later) packages that provide a module, by distribution name. */
const APT_NAMES: Record<string, string> = {
  pandas: 'python3-pandas',
  numpy: 'python3-numpy',
  scipy: 'python3-scipy',
  'scikit-learn': 'python3-sklearn',
  'scikit-image': 'python3-skimage',
  'imbalanced-learn': 'python3-imblearn',
  matplotlib: 'python3-matplotlib',
  'matplotlib-base': 'python3-matplotlib',
  seaborn: 'python3-seaborn',
  plotly: 'python3-plotly',
  dask: 'python3-dask',
  'dask-core': 'python3-dask',
  pyyaml: 'python3-yaml',
  pillow: 'python3-pil',
  requests: 'python3-requests',
  joblib: 'python3-joblib',
  opencv: 'python3-opencv',
  'py-opencv': 'python3-opencv',
  'opencv-python': 'python3-opencv',
  'opencv-python-headless': 'python3-opencv',
  pytorch: 'python3-torch',
  torch: 'python3-torch',
  torchvision: 'python3-torchvision',
  onnx: 'python3-onnx',
  statsmodels: 'python3-statsmodels',
  networkx: 'python3-networkx',
  h5py: 'python3-h5py',
  tqdm: 'python3-tqdm',
  'python-dateutil': 'python3-dateutil',
  sympy: 'python3-sympy',
  xgboost: 'python3-xgboost',
  'py-xgboost': 'python3-xgboost',
  beautifulsoup4: 'python3-bs4',
  nltk: 'python3-nltk',
  jinja2: 'python3-jinja2',
  lxml: 'python3-lxml',
  numba: 'python3-numba',
  psutil: 'python3-psutil',
  tabulate: 'python3-tabulate',
  protobuf: 'python3-protobuf',
  sqlalchemy: 'python3-sqlalchemy',
  tables: 'python3-tables',
  pytables: 'python3-tables',
  boto3: 'python3-boto3',
  click: 'python3-click',
};

/** Not Python modules, or nothing to check on this machine. */
const SKIP: [RegExp, string][] = [
  [/^(python|pip|setuptools|wheel|conda|mamba)$/, 'packaging tool'],
  [/^(azureml($|-)|azure-ml$)/, 'Azure ML only'],
  [/^(pytorch-cuda|cudatoolkit|cudnn|nccl|cuda($|-)|nvidia-|cupti|magma)/, 'CUDA'],
  [/^(cpuonly|mkl|mkl-|intel-openmp|openblas|libblas|liblapack|blas|openmpi|mpich|impi)/, 'native library'],
  [/^(gcc|gxx|gfortran|make|cmake|git|nodejs|openjdk|ffmpeg|r-|r$|libgcc|libstdcxx|_|ca-certificates|openssl|zlib|tk$|sqlite$)/, 'not a Python package'],
  [/^(jupyter|jupyterlab|notebook|ipykernel|ipython)$/, 'interactive tool'],
];

const OPTIONAL: [RegExp, string][] = [[/^mlflow(-skinny)?$/, 'metrics fall back to outputs/metrics.json']];

/** Maps declared dependencies to modules, install names and roles. */
export function pythonPackage(dep: CondaDependency): PythonPackage {
  const key = normalize(dep.name);
  const pipName = PIP_NAMES[key] ?? dep.name;
  const pkg: PythonPackage = {
    name: dep.name,
    spec: dep.spec,
    source: dep.source,
    importName: IMPORT_NAMES[key] ?? key.replace(/-/g, '_'),
    pipName,
    pipRequirement: pipName + pipVersion(dep),
    role: 'required',
  };
  const apt = APT_NAMES[key];
  if (apt) pkg.aptName = apt;
  for (const [pattern, why] of SKIP) {
    if (pattern.test(key)) return { ...pkg, role: 'skip', why };
  }
  for (const [pattern, why] of OPTIONAL) {
    if (pattern.test(key)) return { ...pkg, role: 'optional', why };
  }
  return pkg;
}

/** conda's `=2.1` means 2.1.*, which pip writes `==2.1.*`; pip's own constraints are kept as written. */
function pipVersion(dep: CondaDependency): string {
  const v = dep.version?.trim();
  if (!v) return '';
  if (dep.source === 'pip') return v;
  if (/^=[^=]/.test(v)) {
    const version = v.slice(1).split(/\s/)[0];
    // conda's `=` is a prefix match: `=2.1` is 2.1.*; a full version (`=2.1.2`) is kept as is.
    return version.includes('*') || version.split('.').length >= 3 ? `==${version}` : `==${version}.*`;
  }
  if (/^(==|>=|<=|!=|~=|>|<)/.test(v)) return v.split(/\s/)[0];
  if (/^\d/.test(v)) return `==${v.split(/\s/)[0]}`;
  return '';
}

/** Distribution name for a module that the code imports but the conda file does not declare. */
export function distributionForModule(module: string): string {
  for (const [dist, mod] of Object.entries(IMPORT_NAMES)) if (mod === module && !(dist in PIP_NAMES)) return dist;
  return module;
}

export function aptNameFor(distribution: string): string | undefined {
  return APT_NAMES[normalize(distribution)];
}
