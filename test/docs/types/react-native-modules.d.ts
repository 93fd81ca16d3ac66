// Stand-ins for the React Native and Expo modules the React Native samples import. Those packages
// are not installed in this repo (react-native alone is a whole toolchain): these declare only
// the members the samples touch, with the shapes their documentation gives, so a sample that
// misuses tokenwarden's side still fails. They do not prove the modules' own types.
declare module 'react-native' {
  export type AppStateStatus = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';
  export const AppState: {
    currentState: AppStateStatus;
    addEventListener(type: 'change', listener: (state: AppStateStatus) => void): { remove(): void };
  };
}

declare module '@react-native-community/netinfo' {
  export interface NetInfoState {
    isConnected: boolean | null;
    isInternetReachable: boolean | null | undefined;
  }
  const NetInfo: {
    addEventListener(listener: (state: NetInfoState) => void): () => void;
    fetch(): Promise<NetInfoState>;
  };
  export default NetInfo;
}

declare module 'expo-network' {
  export interface NetworkState {
    isConnected?: boolean;
    isInternetReachable?: boolean;
  }
  export function addNetworkStateListener(listener: (state: NetworkState) => void): { remove(): void };
}

declare module 'expo-secure-store' {
  export function getItemAsync(key: string): Promise<string | null>;
  export function setItemAsync(key: string, value: string): Promise<void>;
  export function deleteItemAsync(key: string): Promise<void>;
}
