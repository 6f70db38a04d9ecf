// The Canvas's 3D view: a mesh (STL) in a three.js scene, orbit controls, Z up as in OpenSCAD.
// The camera is fitted to the first model of an entry and then kept, so a re-render after an
// edit or a parameter change shows the new model from where the user was looking.
import {
  AmbientLight, Box3, Color, DirectionalLight, GridHelper, Mesh, MeshStandardMaterial, PerspectiveCamera, Scene,
  Vector3, WebGLRenderer,
} from 'three';
import { STLLoader } from 'three/addons/loaders/STLLoader.js';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

export class Viewer {
  constructor(el) {
    this.el = el;
    this.fitted = false;
  }

  /** Sets up WebGL on first use; false (and a note in the view) where the browser has none. */
  ready() {
    if (this.renderer) return true;
    try {
      // preserveDrawingBuffer: the picture stays readable (screenshots, tests) between frames
      this.renderer = new WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    } catch {
      this.el.textContent = 'This browser cannot show 3D (no WebGL); the mesh can still be downloaded.';
      return false;
    }
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.scene = new Scene();
    this.scene.background = new Color(0xf3f4f1);
    this.scene.add(new AmbientLight(0xffffff, 0.6));
    const sun = new DirectionalLight(0xffffff, 1.6);
    sun.position.set(1, -2, 3);
    this.scene.add(sun);
    this.camera = new PerspectiveCamera(40, 1, 0.1, 10000);
    this.camera.up.set(0, 0, 1);
    this.camera.position.set(60, -80, 60);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.addEventListener('change', () => this.draw());
    this.el.replaceChildren(this.renderer.domElement);
    new ResizeObserver(() => this.resize()).observe(this.el);
    this.resize();
    return true;
  }

  resize() {
    const w = Math.max(1, this.el.clientWidth);
    const hgt = Math.max(1, this.el.clientHeight);
    this.renderer.setSize(w, hgt);
    this.camera.aspect = w / hgt;
    this.camera.updateProjectionMatrix();
    this.draw();
  }

  /** Shows the STL in `buffer` in place of the last model. */
  show(buffer) {
    if (!this.ready()) return;
    const geometry = new STLLoader().parse(buffer);
    geometry.computeVertexNormals();
    if (this.mesh) {
      this.scene.remove(this.mesh);
      this.mesh.geometry.dispose();
    }
    this.mesh = new Mesh(geometry, new MeshStandardMaterial({ color: 0xe8b22e, metalness: 0.1, roughness: 0.6 }));
    this.scene.add(this.mesh);
    if (!this.fitted) this.fit();
    this.draw();
  }

  /** Points the camera at the model, from the front right and above, with a grid under it. */
  fit() {
    const box = new Box3().setFromObject(this.mesh);
    const size = Math.max(...box.getSize(new Vector3()).toArray(), 1);
    const center = box.getCenter(new Vector3());
    this.camera.position.set(center.x + size * 1.4, center.y - size * 1.8, center.z + size * 1.2);
    this.camera.near = size / 100;
    this.camera.far = size * 100;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(center);
    this.controls.update();
    if (this.grid) this.scene.remove(this.grid);
    const step = 10 ** Math.floor(Math.log10(size));
    this.grid = new GridHelper(Math.ceil(size * 2 / step) * step, Math.ceil(size * 2 / step), 0xb8bcb4, 0xdcdfd8);
    this.grid.rotation.x = Math.PI / 2;
    this.grid.position.set(center.x, center.y, box.min.z);
    this.scene.add(this.grid);
    this.fitted = true;
  }

  /** A new entry: the next model is fitted again. */
  refit() {
    this.fitted = false;
  }

  draw() {
    if (this.renderer) this.renderer.render(this.scene, this.camera);
  }
}
